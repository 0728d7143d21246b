# Excerpt in the shape of AWS's Lambda Developer Guide, python-image.html, "Using an
# alternative base image": ARG before FROM, two stages, a non-AWS base image with the
# runtime interface client (awslambdaric) as the ENTRYPOINT.
ARG FUNCTION_DIR="/function"

FROM python:3.12 AS build-image
ARG FUNCTION_DIR
RUN mkdir -p ${FUNCTION_DIR}
COPY . ${FUNCTION_DIR}
RUN pip install \
    --target ${FUNCTION_DIR} \
        awslambdaric

FROM python:3.12-slim
ARG FUNCTION_DIR
WORKDIR ${FUNCTION_DIR}
COPY --from=build-image ${FUNCTION_DIR} ${FUNCTION_DIR}
ENTRYPOINT [ "/usr/local/bin/python", "-m", "awslambdaric" ]
CMD [ "lambda_function.handler" ]
