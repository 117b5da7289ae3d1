"""Self-hosting the skill as an HTTPS web service (Flask + flask-ask-sdk).

Never part of the Lambda bundle: it imports the skill from ``lambda/`` and adds only
web concerns (request verification, HTTP errors, gunicorn). This is the one place
that puts ``lambda/`` on ``sys.path``.
"""
import os
import sys

SKILL_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda")
if SKILL_PATH not in sys.path:
    sys.path.insert(0, SKILL_PATH)
