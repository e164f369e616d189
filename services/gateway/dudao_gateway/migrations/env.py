from alembic import context

from dudao_gateway.models import metadata
from dudao_shared.migrate import run_env

run_env(context, metadata)
