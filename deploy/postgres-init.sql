-- A database per service: no service can read another's tables.
CREATE DATABASE dudao_gateway;
CREATE DATABASE dudao_tasks;
CREATE DATABASE dudao_indicators;
