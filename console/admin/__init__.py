"""The administrator's workspace: users, their roles, passwords and locks, and the system users' service tokens."""
