"""The PyTorch modules the speed benchmarks run: LeNet-5, the zoo's CifarNet and ResNet-18.

Each module names its tensors the way CnnGen names the same declaration in samples/Zoo/Networks.cs
(layers with weights numbered per kind in declaration order, BasicBlocks expanded as conv, bn, conv, bn
and then the projection conv, bn), so its state_dict loads into the generated class with
SafeTensors.Load. Shared by export_models.py and pytorch_bench.py.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    """1x32x32 -> conv1 5x5 (6) -> ReLU -> max 2 -> conv2 5x5 (16) -> ReLU -> max 2
    -> flatten 400 -> fc1 120 -> ReLU -> fc2 84 -> ReLU -> fc3 10 -> softmax."""

    input_shape = (1, 32, 32)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def logits(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


class CifarNet(nn.Module):
    """Seed 002's [[CONV -> RELU]*2 -> POOL]*3 -> [FC -> RELU]*2 -> FC on 3x32x32: 3x3 'same' convolutions
    (32, 32, 64, 64, 128, 128), max 2 after each pair, fc 2048 -> 512 -> 256 -> 10, softmax."""

    input_shape = (3, 32, 32)

    def __init__(self):
        super().__init__()
        widths = [3, 32, 32, 64, 64, 128, 128]
        for i in range(6):
            setattr(self, "conv%d" % (i + 1), nn.Conv2d(widths[i], widths[i + 1], 3, padding=1))
        self.fc1 = nn.Linear(2048, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 10)

    def logits(self, x):
        for pair in range(3):
            x = F.relu(getattr(self, "conv%d" % (2 * pair + 1))(x))
            x = F.relu(getattr(self, "conv%d" % (2 * pair + 2))(x))
            x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


class ResNet18(nn.Module):
    """torchvision's ResNet-18 (11,689,512 parameters) with CnnGen's flat names: conv1/bn1 the 7x7 stride-2
    stem, then per BasicBlock conv k, bn k, conv k+1, bn k+1 and, when the shape changes, the 1x1 projection
    conv k+2, bn k+2; fc1 1000; softmax."""

    input_shape = (3, 224, 224)

    def __init__(self):
        super().__init__()
        self.blocks = []
        index = [0]

        def conv_bn(cin, cout, kernel, stride, padding):
            index[0] += 1
            setattr(self, "conv%d" % index[0], nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False))
            setattr(self, "bn%d" % index[0], nn.BatchNorm2d(cout))
            return index[0]

        self.stem = conv_bn(3, 64, 7, 2, 3)
        cin = 64
        for cout, stride in [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)]:
            a = conv_bn(cin, cout, 3, stride, 1)
            b = conv_bn(cout, cout, 3, 1, 1)
            shortcut = conv_bn(cin, cout, 1, stride, 0) if stride != 1 or cin != cout else None
            self.blocks.append((a, b, shortcut))
            cin = cout
        self.fc1 = nn.Linear(512, 1000)

    def cbn(self, i, x):
        return getattr(self, "bn%d" % i)(getattr(self, "conv%d" % i)(x))

    def logits(self, x):
        x = F.max_pool2d(F.relu(self.cbn(self.stem, x)), 3, stride=2, padding=1)
        for a, b, shortcut in self.blocks:
            y = self.cbn(b, F.relu(self.cbn(a, x)))
            x = F.relu(y + (self.cbn(shortcut, x) if shortcut is not None else x))
        return self.fc1(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


# name -> (class, seed, committed): the small LeNet-5 files are committed, the others are written to a
# gitignored place (CifarNet 5.9 MB, ResNet-18 46.8 MB per file).
MODELS = {
    "lenet5": (LeNet5, 5, True),
    "cifarnet": (CifarNet, 6, False),
    "resnet18": (ResNet18, 7, False),
}
