module github.com/chaosgate/node

go 1.26.0
