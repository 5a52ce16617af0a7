"""Frequency and code tables for the synthetic district, written for kangtong from general knowledge."""
