"""Read side: functions returning small dataclasses or DataFrames for the pages."""
