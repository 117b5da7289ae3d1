"""The HTTP client for Alexa APIs (timers, progressive responses), loaded on first use.

ask-sdk-core's ``DefaultApiClient`` imports ``requests`` (with urllib3, ssl,
http.client, idna, charset detection): about 70 ms on a 2-core machine, which
nearly doubles the skill's cold start (see bench/RESULTS.md). Most requests
never call an Alexa API, so the import waits until one does.
"""
from __future__ import annotations

from ask_sdk_model.services.api_client import ApiClient


class LazyApiClient(ApiClient):
    """``DefaultApiClient``, imported and created the first time a service is called."""

    def __init__(self):
        self._client = None

    def invoke(self, request):
        if self._client is None:
            from ask_sdk_core.api_client import DefaultApiClient

            self._client = DefaultApiClient()
        return self._client.invoke(request)
