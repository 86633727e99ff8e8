"""``tradertape-agent service --systemd|--launchd``: the seed's unit and plist, filled in.

Both set ``PYTHONUNBUFFERED=1``: under a service manager stdout is a file or a pipe, which
Python buffers in blocks, so the ``[agent] poll:`` lines the seed says to look for would
reach the log minutes late (the agent also asks for line buffering itself, `cli.main`)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

SYSTEMD_PATH = "/etc/systemd/system/tradertape-agent.service"
LAUNCHD_PATH = "~/Library/LaunchAgents/com.tradertape.agent.plist"


def systemd_unit(user: str, program: str) -> str:
    return f"""[Unit]
Description=TraderTape Agent
After=network.target

[Service]
Type=simple
User={user}
Environment=PYTHONUNBUFFERED=1
ExecStart={program}
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
"""


def launchd_plist(program: str, home: Path) -> str:
    logs = home / "Library" / "Logs"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>com.tradertape.agent</string>
  <key>ProgramArguments</key>
  <array>
    <string>{escape(program)}</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PYTHONUNBUFFERED</key><string>1</string>
  </dict>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
  <key>StandardOutPath</key><string>{escape(str(logs / "tradertape-agent.log"))}</string>
  <key>StandardErrorPath</key><string>{escape(str(logs / "tradertape-agent.err"))}</string>
</dict>
</plist>
"""
