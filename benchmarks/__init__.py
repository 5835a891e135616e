"""`make bench`: side-by-side benchmarks of the clients, the sandbox and the suite (issue 7)."""
