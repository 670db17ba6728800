"""Echo server written the way a Python course writes one, for `cargo xtask bench server`.

    python python_echo.py [PORT]      (default 0: the OS picks a free port)

The handler is the textbook one: `async for message in websocket: await websocket.send(message)`
served by `websockets.serve` under asyncio, with the library's defaults. Like wslab-server, the
first line on stdout is `listening on http://127.0.0.1:PORT`, flushed at once.
"""

import asyncio
import sys

import websockets


async def handler(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    async with websockets.serve(handler, "127.0.0.1", port) as server:
        host, real_port = server.sockets[0].getsockname()[:2]
        print(f"listening on http://{host}:{real_port}", flush=True)
        await asyncio.Future()  # run forever (SIGTERM ends the process)


if __name__ == "__main__":
    asyncio.run(main())
