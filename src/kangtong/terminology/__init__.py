"""术语服务 (terminology): code systems, value sets and concept maps, stored as FHIR resources.

`TerminologyService` answers `$lookup`, `$validate-code`, `$expand` and `$translate` from
in-memory indexes of the stored resources; `install_shipped` stores the code systems kangtong
ships; `importers` turn national code lists (CSV/XLSX) into CodeSystems.
"""
