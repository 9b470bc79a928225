"""Performance benchmark harness: national-scale synthetic returns (`generate`) and the timed
runs behind `make bench` (`run`). Not part of the installed package."""
