from alembic import context

from dudao_shared.migrate import run_env
from dudao_gateway.models import metadata

run_env(context, metadata)
