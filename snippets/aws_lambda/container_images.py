"""Lambda container images: the image URI rules, local tests, creating an image function.

An image function starts from whatever the image holds, so the Dockerfile decides cold-start
time, image size, what an attacker finds inside and whether Lambda can run it at all. The
Dockerfile check ships with cicd-check (``cicd_check.dockerfile``, ``cicd-check Dockerfile``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cicd_check.quotas import quota

IMAGES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html"
PYTHON_IMAGE_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/python-image.html"
DOCKERFILE = Path(__file__).resolve().parent / "Dockerfile"

IMAGE_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?P<fips>-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)"
    r"\.amazonaws\.com(?:\.cn)?/(?P<repository>[a-z0-9]+(?:[._/-][a-z0-9]+)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))$"
)


# --8<-- [start:uri]
def check_image_uri(uri: Any, function_region: Any) -> list[str]:
    """Why Lambda would refuse this ImageUri for a function in ``function_region``."""
    if not isinstance(uri, str) or not isinstance(function_region, str):
        return ["ImageUri and Region must be text"]
    if uri.startswith("public.ecr.aws/") or "docker.io" in uri or "/" not in uri:
        return [
            f"ImageUri: {uri[:200]} is not in a private Amazon ECR repository; Lambda pulls "
            "only from ECR (copy public images into your own repository)"
        ]
    match = IMAGE_URI.match(uri)
    if match is None:
        return [
            "ImageUri: expected ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG "
            "(or @sha256:DIGEST)"
        ]
    problems = []
    if match["fips"]:
        problems.append("ImageUri: ECR FIPS endpoints are not supported for Lambda images")
    if match["region"] != function_region:
        problems.append(
            f"ImageUri: the repository is in {match['region']} but the function is in "
            f"{function_region}; the image must be in the function's Region"
        )
    return problems
# --8<-- [end:uri]


def fits_image_quota(uncompressed_bytes: int) -> bool:
    """True if an image of this uncompressed size (all layers) is within Lambda's 10 GB."""
    if isinstance(uncompressed_bytes, bool) or not isinstance(uncompressed_bytes, int):
        raise ValueError("uncompressed_bytes: must be a whole number of bytes")
    if uncompressed_bytes < 0:
        raise ValueError("uncompressed_bytes: must not be negative")
    return uncompressed_bytes <= quota("image_size")


# --8<-- [start:local]
def local_test_commands(
    image: str = "greeter:local", architecture: str = "x86_64", port: int = 9000
) -> list[str]:
    """Build for Lambda's architecture, run with the emulator, invoke it with curl."""
    platforms = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}
    if not isinstance(architecture, str) or architecture not in platforms:
        raise ValueError(f"architecture: {architecture!r} is not one of x86_64, arm64")
    if not isinstance(image, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._/:-]{0,254}", image):
        raise ValueError("image: must be a lower-case image name such as greeter:local")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError("port: must be a TCP port number (1-65535)")
    platform = platforms[architecture]
    return [
        # --provenance=false: a single-architecture image manifest, the kind Lambda accepts
        f"docker buildx build --platform {platform} --provenance=false -t {image} .",
        f"docker run --platform {platform} -p {port}:8080 {image}",
        f"curl \"http://localhost:{port}/2015-03-31/functions/function/invocations\" "
        "-d '{\"name\": \"RIE\"}'",
    ]
# --8<-- [end:local]


# --8<-- [start:create]
def create_image_function(
    function_name: str,
    image_uri: str,
    role_arn: str,
    command: Sequence[str] | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """Create a function from an ECR image; ``command`` overrides the image's CMD."""
    if client is None:
        import boto3

        client = boto3.client("lambda")
    problems = check_image_uri(image_uri, client.meta.region_name)
    if problems:
        raise ValueError("; ".join(problems))
    options: dict[str, Any] = {}
    if command:
        options["ImageConfig"] = {"Command": list(command)}
    return client.create_function(
        FunctionName=function_name,
        PackageType="Image",
        Code={"ImageUri": image_uri},
        Role=role_arn,
        Architectures=["x86_64"],
        **options,
    )
# --8<-- [end:create]
