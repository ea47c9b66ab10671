"""The platform register's rules as plain Python on plain data (no Django): the state machine, the counting rule
for task 2 (≥ 600 provincial-or-above platforms), evaluation grades and the gaps to the provincial criteria."""
