# Excerpt from aws/aws-sam-cli-app-templates,
# al2023/go/hello-img/{{cookiecutter.project_name}}/hello-world/Dockerfile
# Multi-stage, an OS-only base image (no runtime interface client: the Go program
# implements the Runtime API), ENTRYPOINT in shell form and no CMD.
FROM public.ecr.aws/docker/library/golang:1.19 as build-image
WORKDIR /src
COPY go.mod go.sum main.go ./
RUN go build -o lambda-handler
FROM public.ecr.aws/lambda/provided:al2023
COPY --from=build-image /src/lambda-handler .
ENTRYPOINT ./lambda-handler
