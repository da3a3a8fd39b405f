"""What the CreateCampaign tests over gRPC share: the tables they count rows of and a conditions builder."""

from __future__ import annotations

from campaigns.v1 import campaign_pb2 as pb

from service.storage import schema as t
from tests.service.helpers import conditions

CSB = t.campaign_site_blocks
CC = t.campaign_conditions


def one_condition(cond: pb.Condition) -> pb.CampaignConditions:
    return conditions([cond])
