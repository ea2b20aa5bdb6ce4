"""Where the patient is: the address register's rows and search, typed coordinates, the caller's phone position
(AML), and how a case's position is judged (docs/address-register.md, docs/position.md)."""
