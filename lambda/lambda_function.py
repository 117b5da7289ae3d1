"""The Lambda / Alexa-hosted entry point: ``lambda_handler`` and nothing else."""
from back_spasm_coach.entry import safe_lambda_handler
from back_spasm_coach.skill import build_skill_builder

lambda_handler = safe_lambda_handler(build_skill_builder())
