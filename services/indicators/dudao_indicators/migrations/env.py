from alembic import context

from dudao_shared.migrate import run_env
from dudao_indicators.models import metadata

run_env(context, metadata)
