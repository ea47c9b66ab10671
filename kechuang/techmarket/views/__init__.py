"""Pages of the technology market, one module per sub-domain: thin views over selectors and services.
techmarket/urls.py imports each view from its module; nothing is re-exported here."""
