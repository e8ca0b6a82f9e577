"""Passive dialogs: each takes data, shows it or edits it, and returns a result.

None of them talks to the server or runs coroutines. Open them with ``open()`` and read the
result in a slot connected to ``finished`` / ``accepted``; never ``exec()`` inside a coroutine.

| module | class / functions | result |
|---|---|---|
| info_dialog | InfoDialog(info) | signal verify_requested; set_verify_progress(p), set_verify_result(ok, msg), set_info(info) |
| delete_dialog | DeleteObjectsDialog(infos, stay_open=False) | accepted; .infos(); signals delete_requested, cancel_requested; set_busy, set_progress |
| delete_dialog | DeleteBucketDialog(bucket, object_count=None) | accepted only after typing the exact name |
| bucket_dialog | BucketDialog(existing=None) | .config() -> BucketConfig |
| bucket_status_dialog | BucketStatusDialog(info, orphans=None) | read-only; set_info(info), set_orphans(report) |
| orphans_dialog | OrphansDialog(bucket, writable=True) | signals rescan_requested, clean_requested(report) (after its own confirmation); set_scanning, set_report, set_cleaned, set_error |
| seal_dialog | SealDialog(bucket) | accepted = seal |
| meta_dialog | MetaDialog(info) | .meta() -> ObjectMeta |
| link_dialog | LinkDialog(buckets, current_bucket, target=None) | .link_name(), .link() -> ObjectLink |
| overwrite_dialog | OverwriteDialog(name, existing, new_size, remaining=None) | .choice() -> OverwriteChoice, .apply_to_all() |
| upload_dialog | UploadDialog(bucket, prefix="") | .sources(), .prefix() (then core.uploads.plan_uploads) |
| messages | show_error / show_info / show_warning(parent, title, message), ask(parent, title, text, on_yes) | non-blocking |
"""  # noqa: E501
