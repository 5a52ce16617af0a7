"""注册服务 — the facility and health-worker registries (机构注册, 医务人员注册).

Institutions, departments and locations; practitioners, their roles at institutions and their
privileges (处方权, 手术级别, 抗菌药物分级使用权限, document rights). Everything is stored as FHIR
resources through the resource service, and the rules in `registry.rules` hold on every write
path (REST, bundles, `kangtong load`), not only here.
"""
