"""Comparison server for bench/server-throughput.py: a stateless Streamable HTTP MCP server
built on the official Python SDK (mcp 2.x, `MCPServer`), served by uvicorn.

It offers one tool, `test_simple_text`, answering the same text as the reference server's
fixture of that name, as unstructured content (no structuredContent), like the reference.

    python server.py --port PORT [--host 127.0.0.1] [--workers N] [--loop auto|asyncio|uvloop]
                     [--http auto|h11|httptools]

The MCP endpoint is http://HOST:PORT/mcp. Requests carrying `MCP-Protocol-Version: 2026-07-28`
take the SDK's single-exchange (per-request `_meta`) path; JSON responses, no SSE, no sessions.
Logging is at WARNING and the access log is off, as the reference server logs no request lines.
"""

from __future__ import annotations

import argparse
import os
import sys

from mcp.server.mcpserver import MCPServer

TEXT = "This is a simple text response for testing."

mcp = MCPServer("bench-python-server", version="0.0.0", log_level="WARNING")


@mcp.tool(name="test_simple_text", description="Returns a fixed text.", structured_output=False)
def test_simple_text() -> str:
    return TEXT


# A module-level ASGI app so that uvicorn's multi-worker mode can import it as "server:app".
app = mcp.streamable_http_app(streamable_http_path="/mcp", json_response=True, stateless_http=True)


def main() -> None:
    import uvicorn

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--loop", default="auto", help="uvicorn event loop (auto picks uvloop when installed)")
    p.add_argument("--http", default="auto", help="uvicorn HTTP parser (auto picks httptools when installed)")
    a = p.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    uvicorn.run(
        "server:app" if a.workers > 1 else app,
        app_dir=here,
        host=a.host,
        port=a.port,
        workers=a.workers,
        loop=a.loop,
        http=a.http,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    sys.exit(main())
