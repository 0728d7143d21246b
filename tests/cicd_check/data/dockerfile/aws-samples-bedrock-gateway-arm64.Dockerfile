# Excerpt in the shape of aws-samples/bedrock-access-gateway (pull request #32,
# src/Dockerfile): the architecture named in the base image's tag.
FROM public.ecr.aws/lambda/python:3.12-arm64

COPY ./requirements.txt ./
RUN pip3 install -r requirements.txt -U --no-cache-dir

COPY ./api ./api

CMD [ "api.app.handler" ]
