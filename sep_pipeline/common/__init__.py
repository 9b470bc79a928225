"""What every stage leans on: configuration, files written durably, worker processes, the
writer lock, pause points for the tests, and failures said plainly."""
