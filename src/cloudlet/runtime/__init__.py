"""Lambda execution: worker processes running awslambdaric, their Runtime API, and the warm pool.

Depends on `core` only and knows nothing of the Lambda control plane's API (`services/lambda_`).
"""
