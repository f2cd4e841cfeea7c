-- Roles for Lianjian, run once by a superuser: psql -v password="'…'" -v backup_password="'…'" -f roles.sql
--
-- The application creates its own tables: the events' tables and the tracking table when a process first
-- opens the store, each view's tables (and `lianjian rebuild` replaces them: new tables, renamed in), the audit
-- chain's, and the read audit's table with its append-only triggers. There is no separate migration step, so
-- the application's role owns its database's tables: it is the "owner" role. What keeps it in bounds: it is no
-- superuser, cannot create roles or databases, and owns this one database only. That it could still rewrite an
-- event is what the audit chain answers (`lianjian verify` against checkpoints kept outside the database).
CREATE ROLE lianjian LOGIN PASSWORD :password NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE DATABASE lianjian OWNER lianjian ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
\connect lianjian
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO lianjian;

-- Backups: reads everything (pg_dump) and streams WAL (pg_basebackup), changes nothing (PostgreSQL 14+:
-- pg_read_all_data).
CREATE ROLE lianjian_backup LOGIN PASSWORD :backup_password REPLICATION;
GRANT pg_read_all_data TO lianjian_backup;
GRANT CONNECT ON DATABASE lianjian TO lianjian_backup;
