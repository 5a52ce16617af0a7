"""Security (安全): accounts and OAuth2 tokens, access decisions, the audit chain, 国密 crypto.

Built in `platform/container.py` (`build_security`) and passed in; nothing here is global.
"""
