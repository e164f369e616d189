from alembic import context

from dudao_indicators.models import metadata
from dudao_shared.migrate import run_env

run_env(context, metadata)
