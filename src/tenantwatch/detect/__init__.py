"""Streaming anomaly detection, forecasting, predictive alerts and the NAB benchmark."""
