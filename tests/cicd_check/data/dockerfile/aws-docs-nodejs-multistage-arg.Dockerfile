# Excerpt in the shape of AWS's Lambda Developer Guide, nodejs-image.html and typescript-image.html:
# the Node.js version in an ARG used by both FROM lines, a --platform flag, a build stage
# that installs with a glob (package*.json) before copying the code.
ARG NODE_VERSION=22
FROM --platform=linux/amd64 public.ecr.aws/lambda/nodejs:${NODE_VERSION} AS builder
WORKDIR /usr/app
COPY package*.json ./
RUN npm install
COPY index.ts ./
RUN npm run build

FROM --platform=linux/amd64 public.ecr.aws/lambda/nodejs:${NODE_VERSION}
WORKDIR ${LAMBDA_TASK_ROOT}
COPY --from=builder /usr/app/dist/* ./
CMD ["index.handler"]
