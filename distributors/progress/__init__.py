"""The customer progress table (客户推进表): stages, moves and the table of intent and potential accounts."""
