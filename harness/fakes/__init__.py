"""Local fakes of the servers we do not run ourselves (real HTTP on loopback)."""
