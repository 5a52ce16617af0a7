"""One module per search-parameter type: how values are indexed and how search values parse.

Each module offers `extract(param, values, rows, ctx)` (typed FHIRPath results → index rows)
and `criterion(param, value, modifier, ctx)` (a search value → a store criterion).
"""
