"""Pure rules of the projects module (no Django): workflows, grades, post-subsidy, performance scores, pool."""
