"""The gunicorn worker ``make serve`` uses: gevent's, taking turns between connections.

A greenlet per connection means idle and slow clients hold no thread, so they never
make a normal request wait (docs/deploying.md has the figures). gunicorn's gevent
worker needs two changes for this server, both measured on 2 cores under keep-alive load:

- Taking turns. After answering, a greenlet reads its connection again, and when the
  client's next request is already there it answers that too, without letting the
  others run: p50 1 ms but p99 468 ms and a maximum of 2.2 s for 1 ms of CPU per
  request. Yielding once after each request serves the connections in turn (p99 16 ms).
- Accepting everything waiting. gunicorn accepts one connection per turn of the event
  loop when there are several workers, so that workers sharing one listening socket
  share its connections. With ``--reuse-port`` each worker has its own socket, the
  kernel already spreads the connections, and one at a time only made a new
  connection's first request wait behind the loop: up to 0.9 s under load, 70 ms when
  the worker takes all that is waiting (gevent's own default, 100 at a time).
"""
from __future__ import annotations

import gevent
from gevent.server import StreamServer
from gunicorn.workers import ggevent


class _AcceptAllWaiting(StreamServer):
    """A StreamServer that keeps gevent's default of accepting up to 100 at a time."""

    max_accept = property(lambda self: StreamServer.max_accept, lambda self, value: None)


class FairGeventWorker(ggevent.GeventWorker):
    def run(self):
        # GeventWorker.run builds its StreamServer by this module-level name, then sets
        # max_accept = 1 on it; ours ignores that. Only this worker's process runs it.
        ggevent.StreamServer = _AcceptAllWaiting
        super().run()

    def handle_request(self, listener_name, req, sock, addr):
        try:
            return super().handle_request(listener_name, req, sock, addr)
        finally:
            gevent.sleep(0)  # to the back of the queue: the other connections' requests go first
