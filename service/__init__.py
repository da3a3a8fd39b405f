"""The campaign service: gRPC CampaignService, its rules, identity and storage."""
