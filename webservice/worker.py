"""The gunicorn worker ``make serve`` uses: gevent's, taking turns between connections.

A greenlet per connection means idle and slow clients hold no thread, so they never
make a normal request wait (docs/deploying.md has the figures). gunicorn's gevent
worker alone is unfair under keep-alive load, though: after answering, a greenlet
reads its connection again, and when the client's next request is already there it
answers that too without letting the others run. On 2 cores that gave a p50 of 1 ms
and a p99 of several hundred ms. Yielding once after each request serves the
connections in turn (p99 in tens of ms, and more requests per second).
"""
from __future__ import annotations

import gevent
from gunicorn.workers.ggevent import GeventWorker


class FairGeventWorker(GeventWorker):
    def handle_request(self, listener_name, req, sock, addr):
        try:
            return super().handle_request(listener_name, req, sock, addr)
        finally:
            gevent.sleep(0)  # to the back of the queue: the other connections' requests go first
