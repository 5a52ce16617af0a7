"""Importers of national code lists (CSV, XLSX) into CodeSystems: ICD-10, WS 364, GB/T 2260, TCM."""
