"""BucketDialog against a real server: an edit round trip keeps the server's `_nats.*` keys."""

from __future__ import annotations

from natsobj_gui.core import Client
from natsobj_gui.core.types import BucketConfig
from natsobj_gui.dialogs.bucket_dialog import BucketDialog
from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog


async def test_edit_round_trip_keeps_server_keys(qtbot, client: Client, bucket_name: str) -> None:
    await client.buckets.create(BucketConfig(bucket_name, metadata={"team": "ops"}))
    try:
        before = await client.buckets.status(bucket_name)
        server_keys = {k for k in before.metadata if k.startswith("_nats.")}
        assert server_keys  # nats-server >= 2.11 writes them; without them this proves nothing

        dlg = BucketDialog(existing=before)
        qtbot.addWidget(dlg)
        assert dlg.metadata_table.pairs() == [("team", "ops")]
        dlg.metadata_table.set_cell(0, 1, "platform")
        dlg.metadata_table.add_row("tier", "gold")
        dlg.description_edit.setText("edited in the dialog")
        after = await client.buckets.update(dlg.config())

        assert after.description == "edited in the dialog"
        assert {k: v for k, v in after.metadata.items() if not k.startswith("_nats.")} == {
            "team": "platform",
            "tier": "gold",
        }
        assert server_keys <= set(after.metadata)

        status = BucketStatusDialog(after)
        qtbot.addWidget(status)
        assert status.metadata_table.pairs() == [("team", "platform"), ("tier", "gold")]
    finally:
        await client.buckets.delete(bucket_name)
