"""A request that is a heavy job holds its user's place under the cap for as long as it runs
(`services.job_caps`): a parameter of the route, so the 429 comes before the handler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends

from tradertape.api.deps import CurrentUser, RuntimeDep, UploaderDep
from tradertape.services.job_caps import EXPORT, UPLOAD


def _upload(who: UploaderDep, runtime: RuntimeDep) -> Iterator[None]:
    with runtime.job_caps.hold(who.user_id, UPLOAD):
        yield


def _export(user: CurrentUser, runtime: RuntimeDep) -> Iterator[None]:
    with runtime.job_caps.hold(user.id, EXPORT):
        yield


UploadSlot = Annotated[None, Depends(_upload)]
ExportSlot = Annotated[None, Depends(_export)]
