"""The enterprise innovation-capability score for credit enhancement (产业认定+科技增信): a pure engine.

No Django here: plain data in (a scheme as a dict, each firm's measures as a dict), plain data out. The weights,
bands and grades are the scheme's data (`kechuang/finance/data/score_scheme.yaml` is the default, marked
unverified by the reference), never constants of this code.
"""
