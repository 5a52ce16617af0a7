"""比较器 — comparators that turn a pair of records into agreement levels."""
