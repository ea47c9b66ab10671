"""Pure rules of the talent module (no Django): ID-number check digit, the programme workflow, tier derivation."""
