"""The warehouse: its tables (`tables`, generated from the standard), their migrations
(Alembic, `alembic/`), PostgreSQL roles, the body registry, and the compact read the figures use."""
