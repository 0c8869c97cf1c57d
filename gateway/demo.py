"""``lienthong demo``: what a province's one-stop system does, step by step, while the mock
portal shows each step arriving."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

ICT = timezone(timedelta(hours=7))
STEPS = [
    ("accepted", "Tiếp nhận hồ sơ"),
    ("processing", "Chuyển phòng chuyên môn xử lý"),
    ("awaiting_supplement", "Yêu cầu bổ sung giấy tờ"),
    ("processing", "Đã bổ sung, tiếp tục xử lý"),
    ("resolved", "Đã xử lý xong"),
]


def _dossier(now: datetime) -> dict[str, Any]:
    return {
        "procedure_code": "1.001612",
        "procedure_name": "Đăng ký thành lập hộ kinh doanh",
        "sector_code": "G09",
        "sector_name": "Thành lập và hoạt động của hộ kinh doanh",
        "agency_code": "000.00.12.H56",
        "channel": "online",
        "applicant": {"name": "NGUYỄN VĂN A", "id_number": "001203012345", "kind": "citizen"},
        "summary": "Đăng ký hộ kinh doanh (demo)",
        "received_at": now.isoformat(),
        "due_at": (now + timedelta(days=5)).isoformat(),
        "status": "submitted",
    }


async def run_demo(gateway: str, mocks: str, console: Console) -> None:
    timeout = httpx.Timeout(10.0)
    async with httpx.AsyncClient(base_url=gateway, timeout=timeout) as api, httpx.AsyncClient(base_url=mocks, timeout=timeout) as admin:
        try:
            token = (await api.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo",
                                                          "client_secret": "demo-secret"})).json()["access_token"]
        except httpx.HTTPError as exc:
            console.print(f"[red]cannot reach the gateway at {gateway}: {exc}. Is `make run` running?[/red]")
            raise SystemExit(1) from exc
        auth = {"Authorization": f"Bearer {token}"}
        now = datetime.now(ICT).replace(microsecond=0)
        code = f"000.00.12.H56-{now:%y%m%d}-{now:%H%M%S}"
        console.print(f"1. token obtained for client [bold]demo[/bold]; dossier [bold]{code}[/bold]")
        reply = await api.put(f"/v1/dossiers/{code}", json=_dossier(now), headers=auth)
        reply.raise_for_status()
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      console=console) as progress:
            task = progress.add_task("portal received", total=len(STEPS))
            for index, (status, note) in enumerate(STEPS, start=1):
                at = (now + timedelta(minutes=index)).isoformat()
                event = {"status": status, "at": at, "officer": "Trần Thị B", "officer_title": "Chuyên viên",
                         "department": "Bộ phận một cửa", "note": note}
                (await api.post(f"/v1/dossiers/{code}/events", json=event, headers=auth)).raise_for_status()
                progress.console.print(f"   → {status:<20} {note}")
                await _wait_for_steps(admin, code, index, progress, task)
        held = (await admin.get(f"/__admin/portal/dossiers/{code}")).json()
        table = Table(title=f"The mock portal now holds {code}")
        for column in ("#", "TrangThai", "ThoiDiemXuLy", "NoiDungXuLy", "received"):
            table.add_column(column)
        for n, item in enumerate(held.get("steps", []), start=1):
            step = item["step"]
            table.add_row(str(n), str(step["TrangThai"]), step["ThoiDiemXuLy"], step["NoiDungXuLy"], f"{item['receipts']}×")
        console.print(table)
        view = (await api.get(f"/v1/dossiers/{code}", headers=auth)).json()
        console.print(f"gateway says: status [bold]{view['dossier']['status']}[/bold], sync {view['sync']}")


async def _wait_for_steps(admin: httpx.AsyncClient, code: str, count: int, progress: Progress, task: Any) -> None:
    for _ in range(100):
        reply = await admin.get(f"/__admin/portal/dossiers/{code}")
        have = len(reply.json().get("steps", [])) if reply.status_code == 200 else 0
        progress.update(task, completed=have)
        if have >= count:
            return
        await asyncio.sleep(0.1)
    progress.console.print("[yellow]   the portal has not received this step yet (see GET /v1/sync/status)[/yellow]")
