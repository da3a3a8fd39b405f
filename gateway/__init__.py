"""The JSON-RPC 2.0 gateway of the Data API, in front of the gRPC CampaignService."""
