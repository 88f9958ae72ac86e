"""Sample documents generated from code, for tests, benchmarks and demonstrations."""
