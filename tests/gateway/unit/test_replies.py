"""gateway/replies.py: a reply message as the JSON-RPC `result` (data, its members, the selected fields)."""

from __future__ import annotations

from campaigns.v1 import campaign_pb2, campaign_service_pb2

from gateway import replies


def test_replies_become_result_data() -> None:
    assert replies.to_result(campaign_service_pb2.CreateCampaignResponse(id=1001)) == ({"id": 1001}, {})
    assert replies.to_result(campaign_service_pb2.UpdateCampaignResponse()) == ({}, {})


def test_a_result_member_is_beside_data_and_in_it_too() -> None:
    """upload.campaign_costs answers result.success and data.success (METHODS.md §0.5)."""
    reply = campaign_service_pb2.UploadCampaignCostsResponse(success=True)

    assert replies.result_members(reply) == {"success": True}
    assert replies.to_result(reply) == ({"success": True}, {})
    # A reply without such a field adds nothing to result.
    assert replies.result_members(campaign_service_pb2.UpdateCampaignResponse()) == {}


def test_a_list_reply_is_cut_to_the_selected_fields() -> None:
    reply = campaign_service_pb2.GetCampaignsResponse(total_items=7, fields=["name", "id", "status"])
    reply.data.add(id=1, name="a", status=campaign_pb2.CAMPAIGN_STATUS_ACTIVE)
    reply.data.add(id=2, name="b")
    data, metadata = replies.to_result(reply)
    assert data == [{"name": "a", "id": 1, "status": "active"}, {"name": "b", "id": 2, "status": None}]
    assert list(data[0]) == ["name", "id", "status"]
    assert metadata == {"total_items": 7}


def test_unset_optional_fields_are_null_or_omitted() -> None:
    rendered = replies.to_json(campaign_pb2.CampaignView(id=3))
    assert rendered["id"] == 3
    assert rendered["name"] == ""  # not optional: its default
    assert rendered["description"] is None
    assert rendered["site_blocks"] == []
    assert "campaign_conditions" not in rendered  # omit_when_unset
