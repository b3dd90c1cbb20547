"""The uvicorn server that runs the gateway: tells the App shutdown has begun before uvicorn waits
for open requests, so long-lived ones (long polls) answer at once instead of holding the stop up."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from cloudlet.app import App


class GatewayServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: App) -> None:
        super().__init__(config)
        self.cloudlet_app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.cloudlet_app.begin_shutdown()
        await super().shutdown(sockets=sockets)
